"""Door of the identifying zone for the probabilistic crossing (article 4.1).

For every row of the four crossed sources whose primary key is no cohort member's, the Splink
model of int_keys__modele_probabiliste scores the pairs its blocking rules admit against the
cohort members' Iodas-ASE rows; one row per source row that has a candidate: its best member
(the member's clé de hachage), the match weight, the second-best member's weight, and two
booleans (sex disagreement, an undecidable twin). No name, no date comes out:
int_crossing__appariements decides (link, review, nothing) with the threshold
pipase_seuil_probabiliste.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from pipase.linkage import probabilistic

    # the refs are read by SQL in the build's own DuckDB instance (its memory limit, its
    # temporary directory, encrypted spill): no copy of the identities out of it
    identites = probabilistic.relation_sql(dbt.ref("int_keys__identites"))
    cohorte = probabilistic.relation_sql(dbt.ref("int_keys__iodas_ase__cohorte"))
    (modele,) = dbt.ref("int_keys__modele_probabiliste").project("modele_json").fetchone()
    return probabilistic.links_in_build(session, identites, cohorte, modele)
