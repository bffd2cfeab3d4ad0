"""Writes of volunteering, one module per part, read top to bottom:

* ``people``: volunteer profiles and teams (joining, approval);
* ``orders``: volunteer orders from writing to confirmation, places (抢单), check-in/out;
* ``wishes``: small wishes (微心愿) from posting to the resident's confirmation.
"""

from .orders import (
    claim_assign,
    claim_check_in,
    claim_check_out,
    claim_remove,
    claim_withdraw,
    expire_unclaimed,
    order_cancel,
    order_claim,
    order_confirm,
    order_create,
    order_publish,
)
from .people import member_decide, team_join, team_save, volunteer_save
from .wishes import wish_cancel, wish_confirm, wish_fulfil, wish_post, wish_release, wish_take

__all__ = [
    "claim_assign",
    "claim_check_in",
    "claim_check_out",
    "claim_remove",
    "claim_withdraw",
    "expire_unclaimed",
    "member_decide",
    "order_cancel",
    "order_claim",
    "order_confirm",
    "order_create",
    "order_publish",
    "team_join",
    "team_save",
    "volunteer_save",
    "wish_cancel",
    "wish_confirm",
    "wish_fulfil",
    "wish_post",
    "wish_release",
    "wish_take",
]
