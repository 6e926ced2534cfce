"""The action plan: recommendations, the partners' response and the actions agencies own."""
