"""The invitation letter, in French: what the person gets, how to make their login, the code
and a QR code that opens the welcome page with the code already typed (the code travels in
the link's fragment, which the browser never sends to the server)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from geo_caisse.auth.invitations import Invitation
from geo_caisse.core.territory import Territory
from geo_caisse.io.letters import Letter, letters_pdf

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def date_fr(moment: datetime, territory: Territory) -> str:
    """``1er décembre 2026``, in the territory's time zone."""
    local = moment.astimezone(ZoneInfo(territory.timezone))
    day = "1er" if local.day == 1 else str(local.day)
    return f"{day} {MONTHS[local.month - 1]} {local.year}"


def caisse_name(territory: Territory) -> str:
    return territory.caisse.name or f"Caisse alimentaire — {territory.name}"


def invitation_letter(invitation: Invitation, territory: Territory, *, base_url: str,
                      now: datetime) -> Letter:
    """The letter of one invitation; ``base_url``: where the caisse's site is reached."""
    base = base_url.rstrip("/")
    monthly = f"{territory.caisse.monthly_allocation_mona:f}".rstrip("0").rstrip(".")
    if invitation.purpose == "member":
        title = "Votre accès à la caisse alimentaire"
        what = (f"Vous faites maintenant partie de la caisse. Chaque mois, vous recevez "
                f"{monthly} MonA à dépenser dans les lieux conventionnés (marchés, "
                "producteurs, épiceries, commerces). Avec votre compte, vous voyez vos MonA, "
                "vous payez avec un code et vous trouvez les lieux près de chez vous.")
        make = "Choisissez un identifiant et un mot de passe (au moins 10 caractères)."
    elif invitation.purpose == "vendor":
        places = ", ".join(invitation.points_of_sale)
        title = "Votre caisse pour encaisser les MonA"
        what = (f"{places} : la caisse vous a conventionné. Avec votre compte, vous "
                "encaissez les MonA de vos clients (leur code, tapé ou scanné), vous suivez "
                "vos recettes et vous demandez leur reconversion en euros.")
        make = "Choisissez un identifiant et un mot de passe (au moins 10 caractères)."
    else:
        title = "Un nouveau mot de passe"
        what = (f"Voici de quoi choisir un nouveau mot de passe pour votre compte "
                f"« {invitation.username} ».")
        make = "Choisissez votre nouveau mot de passe (au moins 10 caractères)."
    paragraphs = [
        "Bonjour,", what,
        f"1. Ouvrez {base}/bienvenue sur un téléphone ou un ordinateur, ou scannez le code "
        "carré ci-dessous avec l'appareil photo d'un téléphone.",
        "2. Entrez le code ci-dessous (les tirets ne comptent pas).",
        f"3. {make}",
    ]
    return Letter(
        sender=caisse_name(territory), date=date_fr(now, territory), title=title,
        paragraphs=paragraphs, code=invitation.display_code,
        qr=f"{base}/bienvenue#code={invitation.code}",
        footer=(f"Ce code sert une seule fois, jusqu'au {date_fr(invitation.expires_at, territory)}"
                ". Gardez-le pour vous : il ouvre votre compte. Perdu ou expiré ? Demandez une "
                "nouvelle lettre à l'équipe de la caisse : l'ancienne ne marchera plus."))


def invitation_letters_pdf(invitations: Sequence[Invitation], territory: Territory, *,
                           base_url: str, now: datetime) -> bytes:
    """One PDF, a letter per invitation."""
    return letters_pdf([invitation_letter(i, territory, base_url=base_url, now=now)
                        for i in invitations])
