{{ indicateur(ref('analyse__jeunes')) }}
