-- One row per row of every partner file imported with `pipase import --partner` (convention
-- article 4.2), read through the view partenaires.<table>__lien that the import creates: the
-- ASE youth it is linked to (cle_hachage_ase) and how (methode_lien: the primary key, else a
-- secondary key designating one person only). The partner's own columns are kept as one JSON
-- object (attributs): they differ from one partner to the next. Empty without partner files.
{{ partenaires_lien() }}
