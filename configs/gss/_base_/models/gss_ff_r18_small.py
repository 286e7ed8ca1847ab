# GSS-FF sized for CPU experiments: the published head structure (MLA →
# shifted-window blocks → LN → 1×1 convs → token logits, plus the auxiliary
# pixel head) with small widths, on a narrow ResNetV1c-18 trained from
# scratch. Final configs set the tokenizer, palette and classes (and may
# swap the backbone, adjusting ``in_channels``).
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    type='GSSEncoderDecoder',
    pretrained=None,
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        stem_channels=32,
        base_channels=32,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        norm_cfg=norm_cfg,
        norm_eval=False,
        contract_dilation=True),
    decode_head=dict(
        type='GSSFFHead',
        in_channels=[32, 64, 128, 256],
        in_index=[0, 1, 2, 3],
        channels=64,
        token_level_index=0,
        token_stride=4,
        fusion_channels=128,
        classifier_channels=128,
        swin_depth=2,
        swin_num_heads=4,
        swin_window_size=7,
        # The project's CPU models (not the published head): 4× FFN, and
        # the soft X⁻¹ scores on the maskige.
        swin_mlp_ratio=4,
        inverse_scores='soft',
        temperature=0.01,
        dropout_ratio=0.0,
        norm_cfg=norm_cfg,
        align_corners=False),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
