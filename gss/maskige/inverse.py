"""The training-free X⁻¹: a decoded maskige back to K class scores.

One component for every model that reads maskiges back without a learned
map: the GSS heads (``decode_head.inverse_scores``) and the stage-I
``MaskigeAutoencoder`` (``model.inverse_scores``) take the same option,
with the same default, and compute it here.
"""
from .codec import maskige_to_scores

#: The values of ``inverse_scores``.
INVERSE_SCORES = ('one_hot', 'soft', 'neighbourhood')
#: Its default, in the heads and in stage I: the published X⁻¹.
DEFAULT_INVERSE_SCORES = 'one_hot'
#: Defaults of the other settings, used by every model's signature.
DEFAULT_TEMPERATURE = 0.01
DEFAULT_NEIGHBOURHOOD_WINDOW = 9
DEFAULT_NEIGHBOURHOOD_TOLERANCE = 8.0


class TrainingFreeInverse:
    """Training-free X⁻¹: (B, 3, H, W) maskige → (B, K, H, W) class scores.

    It holds settings only; the palette comes with each call (the model's
    ``MaskigeCodec``, whose buffers follow the model's device).

    Args:
        scores (str): ``'one_hot'`` (the default, the authors' X⁻¹ and the
            published behaviour: one-hot of the nearest class colour),
            ``'soft'`` (the logits ``-‖x - palette_k‖² / T``, which sliding
            windows and test-time augmentation average as scores rather
            than votes) or ``'neighbourhood'`` (experimental, one-hot of
            the nearest colour among the classes found pure within
            ``neighbourhood_window`` pixels, so that a mix of two classes
            at a boundary cannot decode to a third; see
            ``MaskigeCodec.neighbourhood_one_hot``; it lowers the
            reconstruction of the trained CamVid tokenizer,
            docs/new_dataset.md).
        temperature (float): T of :meth:`logits` (the ``'soft'`` scores).
        neighbourhood_window (int): Odd window side of ``'neighbourhood'``,
            in pixels of the maskige it reads.
        neighbourhood_tolerance (float): Distance (0..255 RGB units) under
            which a pixel counts as pure for ``'neighbourhood'``.
    """

    def __init__(self,
                 scores=DEFAULT_INVERSE_SCORES,
                 temperature=DEFAULT_TEMPERATURE,
                 neighbourhood_window=DEFAULT_NEIGHBOURHOOD_WINDOW,
                 neighbourhood_tolerance=DEFAULT_NEIGHBOURHOOD_TOLERANCE):
        if scores not in INVERSE_SCORES:
            raise ValueError(f'inverse_scores must be one of '
                             f'{INVERSE_SCORES}, got {scores!r}')
        if not temperature > 0:
            raise ValueError(f'temperature must be > 0, got {temperature!r}')
        self.scores = scores
        self.temperature = temperature
        self.neighbourhood_window = neighbourhood_window
        self.neighbourhood_tolerance = neighbourhood_tolerance

    def __repr__(self):
        return (f'{type(self).__name__}(scores={self.scores!r}, '
                f'temperature={self.temperature})')

    def logits(self, codec, maskige):
        """The soft scores ``-‖x - palette_k‖² / T``, differentiable (stage
        I trains its tokenizer through their cross-entropy).

        Args:
            codec (MaskigeCodec): The palette.
            maskige (Tensor): (B, 3, H, W) float in [0, 1].

        Returns:
            Tensor: (B, K, H, W) logits in ``maskige.dtype``.
        """
        return maskige_to_scores(maskige, codec.colors) / self.temperature

    def __call__(self, codec, maskige):
        """Class scores of ``scores``.

        Args:
            codec (MaskigeCodec): The palette.
            maskige (Tensor): (B, 3, H, W) float in [0, 1].

        Returns:
            Tensor: (B, K, H, W) scores in ``maskige.dtype``.
        """
        if self.scores == 'soft':
            return self.logits(codec, maskige)
        if self.scores == 'neighbourhood':
            return codec.neighbourhood_one_hot(maskige,
                                               self.neighbourhood_window,
                                               self.neighbourhood_tolerance)
        return codec.one_hot(maskige)

    def context(self):
        """What a score reads around its pixel.

        Returns:
            tuple[int, int]: The receptive radius in maskige pixels, and
            the offset in pixels at which the scores are the same function
            of the maskige (1: any).
        """
        if self.scores == 'neighbourhood':
            return self.neighbourhood_window // 2, 1
        return 0, 1
