"""The command line (``skweight weigh | report | demo``), its table I/O and the demo.

A face of the library: it imports the layers below only when a command needs
them.
"""
