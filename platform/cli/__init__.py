"""The ``saypro`` command line."""
