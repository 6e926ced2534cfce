"""Reviews: from the decision to hold one to the final report, with its documents."""
