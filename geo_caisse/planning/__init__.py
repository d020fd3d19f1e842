"""Planning: where to recruit, and the demand near a point of sale.

- ``mclp``: the maximal covering problem, solved apart from any geography
- ``recruitment``: the caisse's instance (cells, sites, the three weighted terms)
- ``targeting``: solve and explain each chosen place; ``service``: the instance kept while
  nothing it reads moves
- ``demand``: people and members within 5, 10, 15 minutes of a point of sale
"""
