"""Rasa NLU component that folds Danish phone-style spelling in token lemmas."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.folding import fold_word


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class DanishNormalizer(GraphComponent):
    """Rewrites each token's lemma to its folded form.

    Only the lemma changes, so token offsets (and entity spans) stay valid, while the
    count-vector featurizers, which read lemmas, see "hjælp" and "hjaelp" as one word.
    """

    @classmethod
    def required_components(cls) -> List[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DanishNormalizer:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._fold_tokens(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._fold_tokens(example)
        return training_data

    @staticmethod
    def _fold_tokens(message: Message) -> None:
        tokens: Optional[List[Any]] = message.get(TOKENS_NAMES[TEXT])
        for token in tokens or []:
            token.lemma = fold_word(token.lemma or token.text)
