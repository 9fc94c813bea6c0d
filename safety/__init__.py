"""The deterministic safety layer: red-flag rules (red_flags.yml), the detector, the NLU component."""
