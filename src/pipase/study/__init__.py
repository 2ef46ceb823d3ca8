"""The study at the Association (convention article 2) and its disclosure control (article 5.3).

`pipase publier` (publier_cmd, publish) builds the package of checked tables, charts and report
from the Association's dbt models; `pipase verifier-publication` (verifier_cmd, verify) is the
Department's independent re-check. The package's format: pipase.study.model.
"""
