"""The Ganger Platform: one light router (Layer 1) in front of one worker process per application (Layer 2)."""
