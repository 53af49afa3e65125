"""What embeddings are good for, beyond the next item: the ``explore`` stage (notebook 05).

Needs the ``explore`` extra (UMAP and scikit-learn): ``pip install 'prod2vec[explore]'``,
which ``make setup`` installs. The core package never imports this subpackage.
"""

from prod2vec.extras import require

require("explore", "umap", "sklearn")
