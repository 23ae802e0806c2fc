"""Strategic objectives and the initiatives that deliver them (the reference module)."""
