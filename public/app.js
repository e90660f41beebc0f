// Progressive enhancement comes with the pages work; forms work without it.
