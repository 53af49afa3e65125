"""A web page to try a pipeline run's recommender: the ``app`` stage (``python -m prod2vec app``).

Serves one run folder (``python -m prod2vec pipeline --out DIR``): search its products, pick a
few as a session, and see the next items the run's served model recommends and the products
whose Word2Vec vectors are most alike, beside the map of the catalogue notebook 05 draws.

* :mod:`prod2vec.app.catalogue`: the run's products, search, next items and similar products;
* :mod:`prod2vec.app.product_map`: the map and its regions, computed once at start-up;
* :mod:`prod2vec.app.server`: the Flask application, its JSON routes and its page.

Needs the ``app`` extra (Flask) and the ``explore`` extra (UMAP and scikit-learn, for the map):
``pip install 'prod2vec[app,explore]'``, which ``make setup`` installs. The core package never
imports this subpackage.
"""

from prod2vec.extras import require

require("app", "flask")
