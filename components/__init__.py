"""Custom Rasa NLU components (besides the safety layer, which lives in safety/)."""
