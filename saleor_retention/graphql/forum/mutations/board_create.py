"""``forumBoardCreate`` (forum staff; MANAGE_PAGES)."""

import graphene

from ....forum import services
from ....permissions import MANAGE_PAGES
from ...core.context import retention_settings
from ...core.mutations import RetentionMutation, input_values
from ..types import ForumBoard
from .board_input import BOARD_INPUT_FIELDS, ForumBoardInput


class ForumBoardCreate(RetentionMutation):
    board = graphene.Field(ForumBoard, description="The board; null when refused.")
    permissions = (MANAGE_PAGES,)

    class Arguments:
        input = ForumBoardInput(required=True)

    class Meta:
        description = "Create a forum board (forum staff; needs MANAGE_PAGES)."

    @classmethod
    def perform_mutation(cls, root, info, input):
        board = services.board_create(
            values=input_values(input, BOARD_INPUT_FIELDS), settings=retention_settings(info)
        )
        return cls(board=board, errors=[])
