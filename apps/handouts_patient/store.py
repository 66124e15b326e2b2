"""The handouts store, used (not owned): ganger-handouts-staff owns it and runs its migrations.

This worker only reads the published snapshots and adds one to a view counter; see tables.py.
"""

from ganger.sdk import Store

store = Store("handouts")
