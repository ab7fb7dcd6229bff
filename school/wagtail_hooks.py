# Each module registers its own admin hooks; importing them here is what wires them in.
from school.admin_ui import imports, members  # noqa: F401
