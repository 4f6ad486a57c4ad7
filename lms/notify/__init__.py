"""E-mail notifications, each switchable by its recipient: an essay graded, a unit decided, a
live session scheduled, a credential issued, the weekly reminder and trainers' digest.

Other packages queue a notification with ``lms.notices`` (``later``, ``credential_issued``); it
is composed here and sent once their transaction commits (``dispatch``). New grades by a trainer,
decisions and live sessions need no call: the listeners of ``dispatch`` see them.
"""
