"""CML model endpoint: the next items for a session's recent items.

Request ``{"items": ["85123A", "22423"], "k": 10}`` (or ``{"item": "85123A"}``); response
``{"recommendations": [{"item", "description", "score"}, ...]}`` or ``{"error": "..."}``
(:mod:`prod2vec.serving`). Serves the model PROD2VEC_MODEL_DIR chose (default
served/online_retail, written by the pipeline job where the model build sees it; Word2Vec or a
counting model, as its serving.json says), loaded once per process. The build installs the
package with cdsw-build.sh.
"""

import os

from prod2vec.serving import SessionScorer

try:  # only inside CML; the PyPI package named cml is unrelated
    from cml.models_v1 import cml_model
except ImportError:

    def cml_model(function):
        return function


SCORER = SessionScorer(os.environ.get("PROD2VEC_MODEL_DIR", "served/online_retail"))


@cml_model
def recommend(request):
    return SCORER.answer(request)
