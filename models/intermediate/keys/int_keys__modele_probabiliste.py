"""The probabilistic crossing's model: one row, the Splink model as JSON.

Trained on this extraction's identities (pipase.linkage.probabilistic.train: seeded u
sampling, expectation maximisation), or read from the file named by the environment variable
PIPASE_MODELE_PROBABILISTE (`pipase run --modele FILE`, a model saved by an earlier run).
The model holds column names, comparison SQL and m/u probabilities, never a value of a row:
probabilistic.assert_no_identity refuses it otherwise. `pipase run` saves it beside the run
record. A dbt Python model because the work is Splink's (Python, on DuckDB) and must run inside
the build, between int_keys__identites and the crossing (docs/croisement_probabiliste.md).
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from pipase.linkage import probabilistic

    # the refs are read by SQL in the build's own DuckDB instance (its memory limit, its
    # temporary directory, encrypted spill): no copy of the identities out of it
    identites = probabilistic.relation_sql(dbt.ref("int_keys__identites"))
    cohorte = probabilistic.relation_sql(dbt.ref("int_keys__iodas_ase__cohorte"))
    return probabilistic.model_in_build(session, identites, cohorte)
