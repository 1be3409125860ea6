"""Tasks: how samples become (input, target) pairs, and the verbs that apply runs."""
