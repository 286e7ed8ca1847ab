"""EfficientNet-Lite backbones (timm's TF-ported models) for mmseg configs."""
import os.path as osp

import timm
import torch
from mmcv.runner import BaseModule
from mmseg.models.builder import BACKBONES
from torch.nn.modules.batchnorm import _BatchNorm

from ...utils import safe_load

#: Command that writes ImageNet weights for ``tf_efficientnet_lite0``.
CONVERTER = ('python tools/model_converters/efficientnet_lite2timm.py '
             '--out {path}')


@BACKBONES.register_module()
class EfficientNetLite(BaseModule):
    """EfficientNet-Lite feature pyramid built on timm's ``features_only``.

    The ``tf_`` variants use TensorFlow "same" padding, so ImageNet weights
    ported from the TF release (``tools/model_converters/
    efficientnet_lite2timm.py`` for Lite0) reproduce the original network.
    Those weights expect RGB inputs scaled to [-1, 1]. Either normalise the
    data with ``mean=[127.5] * 3, std=[127.5] * 3``, or keep a dataset
    config's usual ImageNet ``img_norm_cfg`` and pass the same mean/std as
    ``data_norm``: the backbone then maps its input to [-1, 1] itself.

    Stages, for ``frozen_stages``: stage 0 is the stem (``conv_stem``,
    ``bn1``), stage ``i`` (1..7) is timm's block group ``blocks[i - 1]``.
    The feature levels of ``out_indices`` are timm's: level 0 is block group
    1 (stride 2), then groups 2, 3, 5 and 7 (strides 4, 8, 16, 32; 24, 40,
    112 and 320 channels for Lite0).

    Args:
        arch (str): timm model name, ``tf_efficientnet_lite0`` .. ``lite4``.
        out_indices (tuple[int]): Feature levels to return (0..4).
            Default: (1, 2, 3, 4), strides 4/8/16/32.
        pretrained (str, optional): Converted timm state dict, loaded
            (weights only) by ``init_weights``.
        frozen_stages (int): Stages to freeze (no gradients, BN in eval
            mode): -1 freezes nothing, ``num_stages`` (7) the whole backbone
            (GSS-FT-W). Default: -1.
        norm_eval (bool): Keep every BN layer in eval mode while training
            (frozen running statistics). Default: False.
        drop_path_rate (float): Stochastic depth rate. Default: 0.
        data_norm (dict, optional): ``dict(mean=..., std=...)`` the data
            pipeline normalised with (RGB, 0..255 units); undone and
            replaced by the [-1, 1] scaling the weights expect.
        init_cfg (dict, optional): Must be None; use ``pretrained``.
    """

    def __init__(self,
                 arch='tf_efficientnet_lite0',
                 out_indices=(1, 2, 3, 4),
                 pretrained=None,
                 frozen_stages=-1,
                 norm_eval=False,
                 drop_path_rate=0.,
                 data_norm=None,
                 init_cfg=None):
        if init_cfg is not None:
            raise ValueError(
                'EfficientNetLite loads ImageNet weights through '
                "pretrained='<converted .pth>', not init_cfg")
        super().__init__(init_cfg)
        if not arch.startswith('tf_efficientnet_lite'):
            raise ValueError(
                f'arch must be one of tf_efficientnet_lite0..4, got {arch!r}')
        self.model = timm.create_model(
            arch,
            pretrained=False,
            features_only=True,
            out_indices=tuple(out_indices),
            drop_path_rate=drop_path_rate)
        self.arch = arch
        self.out_indices = tuple(out_indices)
        self.pretrained = pretrained
        self.num_stages = len(self.model.blocks)
        if not -1 <= frozen_stages <= self.num_stages:
            raise ValueError(f'frozen_stages must be in -1..{self.num_stages}'
                             f', got {frozen_stages}')
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        scale, shift = torch.ones(3), torch.zeros(3)
        if data_norm is not None:
            mean = torch.tensor(data_norm['mean'], dtype=torch.float32)
            std = torch.tensor(data_norm['std'], dtype=torch.float32)
            scale, shift = std / 127.5, (mean - 127.5) / 127.5
        self.register_buffer('input_scale', scale.view(1, 3, 1, 1))
        self.register_buffer('input_shift', shift.view(1, 3, 1, 1))
        self._freeze_stages()

    @property
    def channels(self):
        """list[int]: Channels of the returned levels."""
        return self.model.feature_info.channels()

    @property
    def strides(self):
        """list[int]: Strides of the returned levels."""
        return self.model.feature_info.reduction()

    def stage(self, index):
        """The modules of stage ``index`` (0: stem, i: ``blocks[i - 1]``)."""
        if index == 0:
            return [self.model.conv_stem, self.model.bn1]
        return [self.model.blocks[index - 1]]

    def _freeze_stages(self):
        for index in range(self.frozen_stages + 1):
            for module in self.stage(index):
                module.eval()
                for param in module.parameters():
                    param.requires_grad = False

    def init_weights(self):
        """Load the converted ImageNet weights given as ``pretrained``.

        Raises:
            FileNotFoundError: The weights file does not exist; the message
                names the converter that writes it.
            KeyError: The file lacks tensors of this architecture.
        """
        if self.pretrained is None:
            return
        if not osp.isfile(self.pretrained):
            if self.arch == 'tf_efficientnet_lite0':
                hint = ('create it with '
                        f'`{CONVERTER.format(path=self.pretrained)}`')
            else:
                hint = (f'convert ImageNet weights of {self.arch} to a timm '
                        'state dict')
            raise FileNotFoundError(
                f'EfficientNetLite: pretrained weights {self.pretrained} not '
                f'found; {hint}, or set pretrained=None to train from scratch')
        state_dict = safe_load(self.pretrained)
        state_dict = state_dict.get('state_dict', state_dict)
        own = self.model.state_dict()
        missing = [key for key in own if key not in state_dict]
        if missing:
            raise KeyError(
                f'{self.pretrained} is not a {self.arch} state dict: it lacks '
                f'{len(missing)} tensors such as {missing[:3]}')
        # The classifier head (conv_head, bn2, classifier) is not part of
        # the feature extractor.
        self.model.load_state_dict({key: state_dict[key] for key in own})

    def forward(self, x):
        """Feature levels.

        Args:
            x (Tensor): (B, 3, H, W) images.

        Returns:
            list[Tensor]: One (B, C_i, H / s_i, W / s_i) map per entry of
            ``out_indices`` (``channels``, ``strides``).
        """
        return self.model(x * self.input_scale + self.input_shift)

    def train(self, mode=True):
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
