"""Where data enters: interactions, readers, sessions and the split.

- :mod:`~prod2vec.data.interactions`: the canonical interactions frame, validated once
- :mod:`~prod2vec.data.tables`: a CSV or parquet file as text columns (delimiter, encoding,
  malformed rows, null-like values)
- :mod:`~prod2vec.data.timestamps`: one time format per column, inferred from the whole column
- :mod:`~prod2vec.data.readers`: anyone's long or wide table into interactions, with a report
- :mod:`~prod2vec.data.sessions`: sessions per user and the next-item train/validation/test split
- :mod:`~prod2vec.data.integer_sessions`: sessions as integer arrays, for the counting models
- :mod:`~prod2vec.data.item_labels`: readable labels for item ids
"""
