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
# **Next-item prediction.** Each of the 1,000 test pairs from
# [notebook 1](01_online_retail_sessions.ipynb) is a *query*, the last item a customer bought in
# the training data, and a *target*, the item they bought next. A model returns a ranked list of
# K = 10 items for the query.
#
# * **Recall@10** is the share of queries whose target is in the list. With one target per
#   query it is the same as the hit rate.
# * **MRR@10** (mean reciprocal rank) also rewards putting the target near the top: 1 at rank
#   1, 1/2 at rank 2, ..., 0 when it is missing.
#
# Neither model nor metric ever recommends the query item itself (the convention of Gensim's
# `most_similar` and of the original tutorial). Every number comes with a 95% bootstrap
# confidence interval: the test pairs are resampled 2,000 times. To compare two models, which
# are scored on the same pairs, we bootstrap the per-pair *difference* between them (a paired
# bootstrap, `prod2vec.evaluation.results.paired_differences`): both models find the
# same pairs easy or hard, so the difference is measured far more precisely than two separate
# intervals suggest. A difference whose interval excludes zero is one we call real.
#
# One consequence of excluding the query: when a customer bought the same item again, the pair's
# target *is* the query, and no model can hit it. How many test pairs are such repeats bounds
# every score below:

# %%
import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from prod2vec.data.integer_sessions import encode_sessions
from prod2vec.data.sessions import corpus_stats
from prod2vec.evaluation.results import (
    pair_metrics,
    paired_differences,
    random_guess_recall,
    results_table,
    summarise_pair_metrics,
    wide_table,
)
from prod2vec.evaluation.selection import WINDOWS, fit_baselines
from prod2vec.models.baselines import CoOccurrence, SequentialRules
from prod2vec.online_retail.reference_protocol import prepare_sessions
from prod2vec.online_retail.task_profile import pair_profile
from prod2vec.paths import benchmark_results_dir
from prod2vec.plots import plot_results, plot_window_sweep, save_figure

pd.set_option("display.width", 130)
pd.set_option("display.max_colwidth", 80)

data = prepare_sessions()  # the reference protocol: recipe, split seed and sizes
split = data.split
n_items = corpus_stats(split.train)["items"]
print(
    f"{len(split.train):,} training sessions, {n_items:,} items, "
    f"{len(split.test):,} test and {len(split.validation):,} validation pairs"
)
repeats = int((split.test["query"] == split.test["target"]).sum())
ceiling = 1 - repeats / len(split.test)
print(
    f"{repeats} of {len(split.test):,} test pairs repeat the query item: no model that "
    f"excludes the query can hit them, so Recall@10 is at most {ceiling:.3f}"
)

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
# On validation, CoOccurrence looks best with a window of one or two positions, and
# SequentialRules, which already discounts distant items by 1/distance, with longer ones. Are
# these differences real? Every
# window is scored on the same validation pairs, so we ask the paired question: each window's
# validation Recall@10 minus that of the window chosen for its family, with its paired 95%
# interval, and the same for counting the whole session (AssociationRules).

# %%
most_popular, association_rules, co_occurrence, sequential_rules = suite.models


def paired_difference(
    metrics: dict[str, pd.DataFrame],
    ours: str,
    theirs: str,
    metric: str = "Recall@10",
    rows: slice | np.ndarray = slice(None),
) -> str:
    """``ours`` minus ``theirs`` on the same pairs (``rows`` of them): mean [paired 95% CI]."""
    mean, low, high = paired_differences(metrics[ours][rows], metrics[theirs][rows])[metric]
    return f"{mean:+.3f} [{low:+.3f}, {high:+.3f}]"


encoded = encode_sessions(split.train)
validation_metrics = {
    model.name: pair_metrics(model, split.validation)
    for family in (CoOccurrence, SequentialRules)
    for model in family.fit_windows(encoded, WINDOWS)
}
validation_metrics[association_rules.name] = pair_metrics(association_rules, split.validation)
pd.DataFrame(
    {
        f"{family.__name__} minus {chosen.name}": {
            f"window={window}": paired_difference(
                validation_metrics, f"{family.__name__}(window={window})", chosen.name
            )
            for window in WINDOWS
        }
        | {
            "whole session": paired_difference(
                validation_metrics, association_rules.name, chosen.name
            )
        }
        for family, chosen in ((CoOccurrence, co_occurrence), (SequentialRules, sequential_rules))
    }
)

# %% [markdown]
# No window differs from the chosen one by more than chance: every interval of the windows
# includes zero. Counting the whole session instead costs about 0.16 of validation Recall@10,
# with intervals far from zero. The exact window matters little; what matters is not counting
# the whole session.
#
# ## Results on the test pairs

# %%
test_metrics = {model.name: pair_metrics(model, split.test) for model in suite.models}
results = summarise_pair_metrics(test_metrics)
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
# * The **windowed** baselines roughly double it. A likely reason (not measured here):
#   whole-session counts are dominated by popular items and long sessions, while counting only
#   neighbours keeps the signal that matters for the *next* item. These are the baselines of the
#   session-based recommendation literature, and they are the bar the Word2Vec model of the
#   next notebook has to clear, on the same pairs with the same metric code.
#
# ### Same basket, or a later one?
#
# [Notebook 1](01_online_retail_sessions.ipynb), in "The task as it is", looked at what the
# test pairs are in the transaction log: 88.3% are consecutive lines of one invoice, and of the
# pairs that cross to a later invoice, 61.5% of the targets are cancellation lines. Knowing
# which products are listed together in a basket wins the first kind; the second would be
# closer to what "what will they buy next time" means, were 61.5% of its targets not
# cancellations. So we score every model on the cross-invoice pairs
# alone too, from the same per-pair metrics, with bootstrap intervals over those pairs.

# %%
test_profile = pair_profile(data.transactions, split.test)
across = ~test_profile["same_invoice"].to_numpy()
print(f"test pairs within one invoice: {1 - across.mean():.1%}")
cancelled = test_profile["cancellation_target"].to_numpy()[across].mean()
print(f"cross-invoice targets that are cancellation lines: {cancelled:.1%}")
for kind, rows in (("same-invoice", ~across), ("cross-invoice", across)):
    hits = test_metrics[co_occurrence.name]["Recall@10"].to_numpy()[rows]
    print(f"{co_occurrence.name} hits {hits.mean():.1%} of the {rows.sum()} {kind} test pairs")
across_results = summarise_pair_metrics(
    {name: metrics[across] for name, metrics in test_metrics.items()}
)
wide_table(across_results)

# %% [markdown]
# And the paired differences between the models, on all test pairs and on the cross-invoice
# pairs alone:

# %%
comparisons = (
    (co_occurrence, sequential_rules),
    (co_occurrence, association_rules),
    (sequential_rules, association_rules),
    (association_rules, most_popular),
)
pd.DataFrame(
    {
        kind: {
            (f"{ours.name} minus {theirs.name}", metric): paired_difference(
                test_metrics, ours.name, theirs.name, metric, rows
            )
            for ours, theirs in comparisons
            for metric in ("Recall@10", "MRR@10")
        }
        for kind, rows in (("all pairs", slice(None)), ("across invoices", across))
    }
)

# %% [markdown]
# The Recall@10 order at the top does not change across invoices, but the verdict does:
#
# * Every model is weak on the cross-invoice pairs. CoOccurrence(window=2) hits 31.0% of the
#   same-invoice pairs but 10.3% [5.1%, 15.4%] of the 117 cross-invoice ones; the others hit
#   fewer.
# * CoOccurrence is still first and still tied with SequentialRules: its paired lead
#   (+0.026 Recall@10) has an interval that includes zero, as on all pairs.
# * The windowed baselines' large win over whole-session counting shrinks. On all pairs both
#   beat AssociationRules by about 0.15 of Recall@10 and 0.10 of MRR@10. Across invoices only
#   CoOccurrence's Recall@10 lead stays clear of zero (+0.068 [+0.017, +0.128]); SequentialRules'
#   does not, and on MRR@10 neither differs from AssociationRules.
#
# So "count the neighbours within a window of one or two" wins mostly because most test
# targets are the next line of the same basket. Predicting what a customer buys in a later
# basket is a harder task that these 117 pairs, most of whose targets are cancellation lines,
# measure only coarsely. The scoreboard of the next notebooks, on all 1,000 pairs, inherits
# this.
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
# The two break ties differently (`Counter.most_common` by insertion order, the project by
# popularity): 846 of the 1,000 top-10 lists are identical, the rest differ in how ties are
# broken, in their order or at the tenth place. Recall@10 is the same (0.132, 132 hits each);
# tied items in another order move some targets within their list, hence the small difference
# in MRR@10 (0.0599 against 0.0593).
#
# **Next:** [3. Word2Vec with early stopping](03_word2vec_early_stopping.ipynb) trains product
# embeddings and puts them on this scoreboard.
