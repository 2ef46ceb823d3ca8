{{ indicateur(ref('analyse__jeunes_partenaires')) }}
