"""``forumBoardUpdate`` (forum staff; MANAGE_PAGES)."""

import graphene

from ....forum import services
from ....permissions import MANAGE_PAGES
from ...core.context import retention_settings
from ...core.mutations import RetentionMutation, input_values
from ..types import ForumBoard, pk_from_global_id
from .board_input import BOARD_INPUT_FIELDS, ForumBoardInput


class ForumBoardUpdate(RetentionMutation):
    board = graphene.Field(ForumBoard, description="The board; null when refused.")
    permissions = (MANAGE_PAGES,)

    class Arguments:
        id = graphene.ID(required=True)
        input = ForumBoardInput(required=True)

    class Meta:
        description = "Change the given fields of a forum board (forum staff; needs MANAGE_PAGES)."

    @classmethod
    def perform_mutation(cls, root, info, id, input):
        board = services.board_update(
            board_id=pk_from_global_id(id, "ForumBoard", "id"),
            values=input_values(input, BOARD_INPUT_FIELDS),
            settings=retention_settings(info),
        )
        return cls(board=board, errors=[])
