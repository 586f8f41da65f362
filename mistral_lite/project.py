"""The project every row belongs to.

Mistral scopes rows by OpenStack project; without authentication it uses
this one, and so do we until tokens bring real projects.
"""

DEFAULT_PROJECT = "<default-project>"
