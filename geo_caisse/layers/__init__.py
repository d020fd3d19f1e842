"""The territory's layers as use cases: points of sale, markets, neighbourhoods.

- ``loading``: load the territory's files into the store, import or list a layer
- ``queries``: what the public reads; ``status``: the committee's decision on a point of sale
- ``nearest``: the nearest conventionnés as the crow flies; ``search``: the offline address
  and place search
"""
