"""Forms declared as data (no aiogram), run by handlers/forms.py."""
