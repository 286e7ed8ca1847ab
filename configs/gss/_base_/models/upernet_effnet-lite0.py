# UPerNet on an ImageNet-pretrained EfficientNet-Lite0 for CamVid-11: the
# discriminative baseline of the CamVid GSS configs. mmseg's UPerNet of
# upernet_r101.py (PPM pool scales 1/2/3/6) with the GSS configs' backbone,
# 64 channels and no auxiliary head; configs give the backbone their data
# pipeline's normalisation (data_norm).
_base_ = './upernet_r101.py'
model = dict(
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='EfficientNetLite',
        pretrained='pretrain/efficientnet_lite0_timm.pth'),
    decode_head=dict(
        in_channels=[24, 40, 112, 320],
        channels=64,
        dropout_ratio=0.0,
        num_classes=11),
    auxiliary_head=None)
