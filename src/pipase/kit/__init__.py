"""The partners' kit behind `pipase hash` (standard library and openpyxl only).

* `reader`: strict reading of a CSV or XLSX file, batch by batch: every physical line is one
  row, or the run stops on an error naming the line;
* `keys`: the streaming key engine (names normalised once per distinct value, hashlib);
* `writer`: CSV or XLSX output that no spreadsheet evaluates (no formula), written to a
  temporary file and moved into place only when the whole run succeeded;
* `hashing`: the run itself (`hash_file`), with the identifier checks of `pipase.identifiers`;
* `verify`: the published conformance vectors through the kit (`pipase hash --verifier`).

The command line is `pipase.hashkit`.
"""
