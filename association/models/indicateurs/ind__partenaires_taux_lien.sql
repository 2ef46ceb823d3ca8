{{ indicateur(ref('analyse__partenaires_lien')) }}
