"""What the project writes: atomic files and folders, exported vectors, the README's tables.

- :mod:`~prod2vec.outputs.atomic`: files and whole folders written completely or not at all
- :mod:`~prod2vec.outputs.export`: the word2vec text format and the Embedding Projector's files
- :mod:`~prod2vec.outputs.readme`: the README's results tables, from the notebooks' records
"""
