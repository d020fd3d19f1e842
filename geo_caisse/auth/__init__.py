"""People who log in: roles and their scopes, password hashes, access tokens, users.

Roles and what their tokens carry as scopes::

    member       ledger:self                 own balance, statement, payment codes
    producer     ledger:vendor flows:own     take payments, own point of sale's demand
    committee    flows:read budget:read enrolment:read      aggregates, the draw's list
    coordinator  flows:read budget:read layers:write ledger:admin enrolment:read
                 enrolment:write              draws, exits, targeting
    admin        every scope

A member's user links to their ledger pseudonym, a producer's to one point of sale;
neither the token nor any aggregate reveals another member.
"""
