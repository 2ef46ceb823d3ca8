"""The Department's crossing beyond the keys: the probabilistic pass (Splink) and its evaluation."""
