{{ config(materialized='table', access='protected') }}

{#- The forbidden set of has_no_raw_identity_values: every raw identity value of the sources,
    built once per run (macro raw_identity_values). Protected so that the privacy test can read
    it; its column is flagged identifier, so no model outside this zone may (pipase.privacy_check). -#}
{{ raw_identity_values() }}
