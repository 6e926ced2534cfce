"""Going live: open cases, reviews under way, action plans and published reviews, from the templates."""
