"""Every write to staff members, one module per concern; import them from here.

- records: creating and editing member records, shared validation
- lifecycle: invitations, acceptance, status changes, email changes
- people: supervisors, provider credentials, taxonomy, own profile
- access: a member's role and location access rules
- bulk: the per-member actions applied to a selection (Employee Center bulk actions)
"""

from .access import *  # noqa: F403
from .bulk import *  # noqa: F403
from .lifecycle import *  # noqa: F403
from .people import *  # noqa: F403
from .records import *  # noqa: F403
