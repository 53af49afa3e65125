# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. Baselines: how far does counting get?
#
# Before training an embedding model, we measure what simple counting achieves on exactly the
# same task. A model that cannot beat a co-occurrence count is not worth its training time,
# and honest baselines are the only way to know.
#
# ## The task and its metrics
#
# **Next-item prediction.** Each of the 1,000 test pairs from [notebook 1](01_online_retail_sessions.ipynb)
# is a *query*, the last item a customer bought in the training data, and a *target*, the item
# they bought next. A model returns a ranked list of K = 10 items for the query.
#
# * **Recall@10** is the share of queries whose target is in the list. With one target per
#   query it is the same as the hit rate.
# * **MRR@10** (mean reciprocal rank) also rewards putting the target near the top: 1 at rank
#   1, 1/2 at rank 2, ..., 0 when it is missing.
#
# Neither model nor metric ever recommends the query item itself (the convention of Gensim's
# `most_similar` and of the original tutorial). Every number comes with a 95% bootstrap
# confidence interval: the test pairs are resampled 2,000 times, so overlapping intervals mean
# the difference may be luck.
#
# One consequence of excluding the query: when a customer bought the same item again, the pair's
# target *is* the query, and no model can hit it. How many test pairs are such repeats bounds
# every score below:

# %%
import json

import matplotlib.pyplot as plt
import pandas as pd

from prod2vec.data.sessions import corpus_stats
from prod2vec.evaluation.results import random_guess_recall, results_table, wide_table
from prod2vec.evaluation.selection import WINDOWS, fit_baselines
from prod2vec.online_retail.reference_protocol import prepare_sessions
from prod2vec.paths import benchmark_results_dir
from prod2vec.plots import plot_results, plot_window_sweep, save_figure

data = prepare_sessions()  # the reference protocol: recipe, split seed and sizes
split = data.split
n_items = corpus_stats(split.train)["items"]
print(f"{len(split.train):,} training sessions, {n_items:,} items, "
      f"{len(split.test):,} test and {len(split.validation):,} validation pairs")
repeats = int((split.test["query"] == split.test["target"]).sum())
print(f"{repeats} of {len(split.test):,} test pairs repeat the query item: no model that "
      f"excludes the query can hit them, so Recall@10 is at most {1 - repeats / len(split.test):.3f}")

# %% [markdown]
# How hard is that? Ten items drawn at random from the catalogue would hit the target this often:

# %%
print(f"random guess: Recall@10 = {random_guess_recall(n_items, k=10):.4f}")

# %% [markdown]
# ## The baselines
#
# All of them are in `prod2vec.models.baselines` and implement the same interface as the Word2Vec
# model will: `fit(train_sessions)`, then `recommend(queries, k)` for a whole batch.
#
# * **MostPopular** recommends the ten most bought items, whatever the query. It tells us how
#   much of the task is just popularity.
# * **AssociationRules** is the original tutorial's baseline: within a session, every ordered
#   pair of positions (i, j), i != j, counts one co-occurrence of (item i, item j), exactly as
#   `itertools.permutations(session, 2)` generates them. For a query, recommend the items that
#   co-occurred with it most. Written as a loop this takes minutes, because a session of n items
#   has n(n-1) pairs and one customer here bought 7,983 items. As matrices it is one sparse
#   product: with C the session x item count matrix, the counts are C^T C (minus repeats on the
#   diagonal).
# * **CoOccurrence(window=w)** counts only pairs at most w positions apart, in both directions.
# * **SequentialRules(window=w)** counts only items that come *after* the query, at most w
#   positions later, with weight 1/distance (Ludewig & Jannach, 2018).
#
# Why should a window help? A session here is a customer's whole year. Items bought in the same
# basket or the next one are related; items bought months apart mostly are not, yet whole-session
# counting treats them alike, and the long sessions of wholesalers, with n(n-1) pairs each, swamp
# everyone else's. Ties in a count go to the more popular item, so results never depend on
# accident.
#
# ## Choosing the window on the validation pairs
#
# The window is a hyperparameter, so it is chosen on the **validation** pairs, never on the
# test pairs. `fit_baselines` tries the windows below and keeps the best of each family by
# validation Recall@10 (ties: MRR@10).

# %%
print("windows tried:", WINDOWS)
suite = fit_baselines(split.train, split.validation)
figure = plot_window_sweep(suite.window_sweep)
save_figure(figure, "baseline_window_sweep")
plt.show()

# %%
[model.name for model in suite.models]

# %% [markdown]
# CoOccurrence is best with a window of one or two positions: what a customer buys next is
# best predicted by what they bought just before. SequentialRules already discounts distant
# items by 1/distance, so longer windows cost it nothing. Every point lies well within the
# others' confidence intervals: the exact window matters little, what matters is not counting
# the whole session.
#
# ## Results on the test pairs

# %%
results = results_table(suite.models, split.test, k=10)
wide_table(results)

# %%
figure = plot_results(results, title="Baselines on the test pairs (reference recipe, seed 123)")
save_figure(figure, "baselines")
plt.show()

# %% [markdown]
# What the numbers say:
#
# * A random list of ten items would hit about 0.3% of targets. **MostPopular** is better
#   but still weak: popularity alone does not say what comes next.
# * **AssociationRules**, the original tutorial's baseline, is many times better than random.
# * The **windowed** baselines roughly double it. Whole-session counts are dominated by
#   popular items and long sessions; counting only neighbours keeps the signal that matters for
#   the *next* item. These are the baselines of the session-based recommendation literature,
#   and they are the bar the Word2Vec model of the next notebook has to clear, on the same pairs
#   with the same metric code.
#
# ### What if the query item could be recommended?
#
# Customers do buy the same item again, so letting a model recommend the query item changes
# the numbers. We keep the exclusion (it is what the published numbers use), but here is by how
# much it matters:

# %%
with_query = results_table(suite.models, split.test, k=10, exclude_query=False)
pd.DataFrame(
    {
        "query excluded": results.query("metric == 'Recall@10'").set_index("model")["value"],
        "query allowed": with_query.query("metric == 'Recall@10'").set_index("model")["value"],
    }
).round(3)

# %% [markdown]
# ## Speed: sparse matrices against the original loop
#
# `benchmarks/bench_baselines.py` builds and evaluates the association rules twice on the same
# split in one run: with the original pure-Python approach (`permutations` + `Counter`) and with
# the project's sparse implementation. Its last run wrote the figures below; the `command`
# entry is how to run it again.

# %%
benchmark = json.loads((benchmark_results_dir() / "bench_baselines.json").read_text())
provenance = benchmark.pop("provenance")
print("measured at commit", provenance["commit"][:7], "(make bench-status says if it is stale)")
pd.Series(benchmark, name="bench_baselines").to_frame()

# %% [markdown]
# Both give the same recommendations up to the order of tied items (`Counter.most_common`
# breaks ties by insertion order, the project by popularity), hence the tiny difference in
# Recall@10.
#
# **Next:** [3. Word2Vec with early stopping](03_word2vec_early_stopping.ipynb) trains product
# embeddings and puts them on this scoreboard.
