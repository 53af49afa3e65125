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
# # 1. From a transaction log to purchase sessions
#
# Word2Vec learns a vector for every word from the words around it. **prod2vec** applies the
# same idea to shopping: a customer's purchases, in order, are a *sentence* and each product is
# a *word*. Products bought in similar contexts end up close together, and "close to what this
# customer just bought" becomes a next-item recommendation.
#
# Before any model, we need sentences. This notebook turns the
# [UCI Online Retail](https://archive.ics.uci.edu/dataset/352/online+retail) log, one year of
# orders from a UK online gift shop (Chen et al., 2012, CC BY 4.0), into purchase sessions and
# a train/validation/test split that every later notebook shares. Along the way it shows what is
# messy in the data and what each cleaning rule removes, so that you can judge the choices.
#
# All logic lives in the `prod2vec` package next to this notebook; the notebook calls it and
# explains it.

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from prod2vec.data.item_labels import describe_items
from prod2vec.data.sessions import corpus_stats, item_counts, sessionize, split_sessions
from prod2vec.online_retail import (
    RECIPES,
    clean_transactions,
    item_descriptions,
    load_online_retail,
    non_product_codes,
    rule_violations,
    to_interactions,
)
from prod2vec.online_retail.reference_protocol import N_TEST, N_VALIDATION, SPLIT_SEED
from prod2vec.online_retail.task_profile import pair_profile, profile_shares
from prod2vec.plots import plot_item_popularity, plot_session_lengths, save_figure

pd.set_option("display.width", 120)

# %% [markdown]
# ## Load the raw table
#
# `load_online_retail()` reads the project's parquet cache. On first use it downloads the
# official zip from UCI (about 23 MB, with a progress bar), reads the Excel sheet, gives every
# column one well-defined type and writes the cache. In the Excel file invoice numbers and
# stock codes are a mix of numbers (`536365`, `71053`) and text (`C536379`, `85123A`); here
# they are always strings, so `71053` from one row and `"71053"` from another are one product.

# %%
raw = load_online_retail()
print(f"{len(raw):,} rows x {raw.shape[1]} columns")
raw.head()

# %%
raw.dtypes.to_frame("dtype")

# %% [markdown]
# ## What is messy in it
#
# A transaction log records more than purchases of products. Four kinds of rows do not belong
# in a purchase sequence:
#
# * rows **without a CustomerID** (a quarter of the table): we cannot tell whose session they
#   belong to;
# * **cancellations**: invoice numbers starting with `C`, with negative quantities;
# * other rows with **Quantity <= 0**: returns, damaged or lost stock written off;
# * **service lines**: postage, carriage, discounts, manual corrections, bank charges.
#
# And some rows are **exact duplicates**: the same invoice line recorded twice.
#
# Each has a cleaning rule in `prod2vec.online_retail.cleaning`. Applied to the raw table on its
# own, each rule would remove this many rows (`missing_values` is, in effect, the rows without a
# CustomerID):

# %%
rule_violations(raw).to_frame()

# %% [markdown]
# Product StockCodes are five digits with an optional letter for the variant (`85123A`,
# `84029G`, `15056BL`). Codes that do not start with five digits are mostly service lines
# (postage, carriage, manual corrections, fees, as their descriptions show); a few are web-shop
# products or vouchers (`DCGS…`, `gift_…`, `PADS`). The rule "keep StockCodes that start with
# five digits" drops them all. Does it matter, once rows without a customer are gone? The table
# counts, for each service code, its rows and how many of them have a customer:

# %%
service_codes = non_product_codes(raw)
print(
    f"{service_codes['rows_with_customer'].sum():,} of {service_codes['rows'].sum():,} "
    "service rows have a customer"
)
service_codes.head(15)

# %% [markdown]
# It does: most service rows have a customer, and so stay in any recipe that only drops rows
# without one. Postage above all (`POST`: 1,196 of 1,256 rows) becomes one of the most
# "popular products" of the sessions; the popularity table below shows it (1,194 rows there,
# after customers with fewer than three rows are dropped).

# %% [markdown]
# ## Two cleaning recipes
#
# * **`reference`** is exactly the preprocessing of the original tutorial: drop every row with
#   a missing value, then keep customers with at least three rows. We use it in the rest of the
#   tutorial so that our numbers can be compared with published ones.
# * **`clean`** also removes cancellations, non-positive quantities and service lines. It is
#   what you would use for a production system.
#
# Each recipe returns the cleaned table and a report of what every rule removed, in order.

# %%
cleaned = {}
for recipe in RECIPES:
    cleaned[recipe], report = clean_transactions(raw, recipe)
    print(f"recipe {recipe!r}")
    display(report.to_frame())
    display(report.summary())

# %% [markdown]
# The `reference` recipe keeps cancellations, postage and duplicate rows in the sessions, as the
# original tutorial did (the report counts the duplicates it keeps). The `clean` recipe removes
# them too; once rows without a customer are gone, every row with Quantity <= 0 is a
# cancellation, so that rule finds nothing left to remove.
#
# ## Sessions
#
# A session is one customer's whole purchase history, as an ordered list of StockCodes.
# Rows are sorted by invoice time; rows of one invoice share a timestamp and keep their order in
# the file. With one session per customer the "sentences" are long, which is why the
# Word2Vec window and the baselines of the next notebooks care about *distance* within a session.

# %%
sessions = {recipe: sessionize(to_interactions(frame)) for recipe, frame in cleaned.items()}
pd.DataFrame({recipe: corpus_stats(found) for recipe, found in sessions.items()})

# %% [markdown]
# The `reference` numbers, 4,234 sessions over 3,684 products and 406,632 item occurrences
# (*tokens*), are those of the original tutorial.
#
# ### Popularity: a long tail
#
# How evenly are purchases spread over the catalogue? This matters twice: where a few products
# take most purchases, a "recommend the most popular items" baseline is hard to beat on
# accuracy alone; and rare items get few training examples, so their embeddings are noisy.

# %%
figure = plot_item_popularity(sessions["reference"], title="Online Retail, reference recipe")
save_figure(figure, "item_popularity")
plt.show()
purchases = item_counts(sessions["reference"])
top_tenth = purchases.head(len(purchases) // 10).sum() / purchases.sum()
print(f"the top 10% of products take {top_tenth:.0%} of all purchases")
print(f"the median product is bought {purchases.median():.0f} times")
print(f"{(purchases < 5).mean():.0%} of products are bought fewer than 5 times")

# %% [markdown]
# The tail is long but not empty: the top tenth of the catalogue takes 46% of all purchases,
# yet the median product is still bought 49 times. The rare products, 13% of the catalogue
# bought fewer than five times, are where embeddings will be least reliable.

# %%
descriptions = item_descriptions(raw)
top_items = purchases.head(10).rename("purchases").rename_axis("item")
top_items.to_frame().join(descriptions)

# %% [markdown]
# ### Session length
#
# Most customers buy a few dozen items over the year, but some customers (likely wholesalers)
# buy thousands. Long
# sessions dominate co-occurrence counts (a session of n items has n(n-1) ordered pairs), which
# is why the association-rules baseline of the next notebook needs sparse matrices to be fast.

# %%
lengths = {recipe: found.map(len) for recipe, found in sessions.items()}
figure = plot_session_lengths(lengths)
save_figure(figure, "session_lengths")
plt.show()

# %%
pd.DataFrame({recipe: series.describe() for recipe, series in lengths.items()}).round(1)

# %% [markdown]
# ### One customer's session
#
# What does a sentence look like? Here are the first twelve purchases of one customer, with
# the product names, and how many invoices (baskets) they and the whole session span.

# %%
customer = sessions["reference"].index[0]
session = sessions["reference"].loc[customer]
invoices = (
    cleaned["reference"]
    .loc[lambda rows: rows["CustomerID"] == customer]
    .sort_values("InvoiceDate", kind="stable")["InvoiceNo"]
)
print(
    f"customer {customer}: {len(session)} items, {len(set(session))} distinct, "
    f"in {invoices.nunique()} invoices; the first 12 in {invoices.head(12).nunique()}"
)
describe_items(session[:12], descriptions)

# %% [markdown]
# The first twelve lines are one basket, and in it variants of one product follow each other:
# a drawer knob in six colours, then an alarm clock in two. The next item is often a close
# relative of the previous one, which is what the models will exploit. Items also come back:
# this customer bought 103 distinct items in 182 lines. Over all sessions:

# %%
repeated_lines = sessions["reference"].map(lambda items: len(items) - len(set(items)))
print(f"sessions that buy some item more than once: {(repeated_lines > 0).mean():.0%}")
repeated_share = repeated_lines.sum() / lengths["reference"].sum()
print(f"lines that repeat an item bought before: {repeated_share:.0%}")

# %% [markdown]
# To Word2Vec the corpus is simply a list of sentences of tokens:

# %%
corpus = sessions["reference"].tolist()
for sentence in corpus[:3]:
    print(sentence[:12], "...")

# %% [markdown]
# ## The split: predicting the next purchase
#
# The task of the next notebooks is **next-item prediction**: given the last item a customer
# bought, recommend ten items; a recommendation list is a hit when it holds the item the
# customer actually bought next.
#
# * **Training data**: every session without its last item. No model ever sees a last item.
# * **Test and validation pairs**: from 2,000 sessions drawn at random (seed 123), the pair
#   *(second-to-last item, last item)* is a *(query, target)*. The first 1,000 sessions form the
#   test set, the other 1,000 the validation set used for early stopping and tuning. The
#   query is the last item of that customer's training session.
#
# The same seed always gives the same split, so every notebook evaluates on the same pairs.

# %%
split = split_sessions(
    sessions["reference"], n_test=N_TEST, n_validation=N_VALIDATION, seed=SPLIT_SEED
)
pd.DataFrame(
    {
        "training sessions": [len(split.train)],
        "training tokens": [corpus_stats(split.train)["tokens"]],
        "test pairs": [len(split.test)],
        "validation pairs": [len(split.validation)],
        "sessions shared by test and validation": [
            len(set(split.test["user"]) & set(split.validation["user"]))
        ],
    }
).T.rename(columns={0: "count"})

# %%
split.test.head().assign(
    query_name=lambda pairs: descriptions.reindex(pairs["query"]).to_numpy(),
    target_name=lambda pairs: descriptions.reindex(pairs["target"]).to_numpy(),
)

# %% [markdown]
# How often is the target the same product as the query? Those repeats are easy wins for a
# model that may recommend the query item, which is why the project's default, like Gensim's
# `most_similar` and the original tutorial, is never to recommend the query itself.

# %%
repeats = (split.test["query"] == split.test["target"]).mean()
print(f"test pairs whose target repeats the query: {repeats:.1%}")

# %% [markdown]
# ## The task as it is
#
# "What did the customer buy next" sounds like a question about taste. Before any model, it is
# worth looking at what the held-out pairs are in the transaction log. Each pair is the last
# two rows of a customer's session, so we can ask of each: are query and target lines of one
# invoice, and is the target a product at all, or a cancellation line (an invoice starting with
# `C`, which the `reference` recipe keeps) or postage? (`prod2vec.online_retail.task_profile`
# finds the rows and flags them with the cleaning rules' own definitions.)

# %%
test_profile = pair_profile(cleaned["reference"], split.test)
profile_shares(test_profile).round(3)

# %% [markdown]
# Of the 1,000 test pairs, 883 (88.3%) are two consecutive lines of one invoice: the target
# was in the same basket as the query, and "next" is the order in which the basket's lines were
# listed (6% of these are lines of one cancellation invoice rather than of a basket). Only 117
# pairs cross to a later invoice, and 61.5% of their targets are cancellation lines; over all
# pairs, 12.5% of the targets are cancellations and 4.5% postage. The columns overlap: "not a
# product" is the cleaning rule's (StockCodes not starting with five digits, postage among
# them), and a cancelled service line counts in both. So the task rewards knowing which
# products are listed next to each other in a basket, which is why the next notebook's counts
# of items at most one or two positions apart are hard to beat.
#
# **Next:** [2. Baselines](02_baselines.ipynb) measures how far simple counting gets on this
# split, before we train any embedding.
