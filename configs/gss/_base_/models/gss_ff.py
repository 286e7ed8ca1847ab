# GSS-FF (latent prior learning with the training-free X⁻¹), the part every
# backbone shares, as in the authors' GenerativeSegHeadFF: the frozen DALL·E
# dVAE as tokenizer (8192 tokens, 8× down; labels are upsampled 2× so tokens
# lie on the stride-4 grid), a multi-level aggregation (MLA, 384 channels
# per level) of the four backbone levels at stride 4, shifted-window blocks
# (16 heads, window 7, FFN 2× wide) and a token classifier (512 → 2048 →
# 8192). Loss: 0.8 · token CE + 0.2 · auxiliary pixel-head CE (at 2×).
# X⁻¹: one-hot of the nearest palette colour of the maskige decoded at 2×.
#
# The levels are read in the authors' order, in_index=[1, 0, 2, 3] (stride
# 8 first), so that the per-level convs and the fusion conv's input blocks
# have the layout of the released checkpoints; token_level_index=1 is
# the stride-4 level in that order. gss_ff_<backbone>.py adds the backbone,
# in_channels (in that order) and swin_depth; the dataset configs set
# num_classes, palette and test_cfg. GSSEncoderDecoder
# is mmseg's EncoderDecoder plus GSS panels for `tools/test.py --show-dir`.
# The dVAE weights load from ckp/dalle_dvae.pth when training starts
# (`bash tools/download_pretrain_vqvae.sh` writes it).
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    type='GSSEncoderDecoder',
    pretrained=None,
    decode_head=dict(
        type='GSSFFHead',
        tokenizer=dict(type='DalleDVAE', checkpoint='ckp/dalle_dvae.pth'),
        palette=None,  # set per dataset
        num_classes=None,  # set per dataset
        in_index=[1, 0, 2, 3],
        channels=384,
        token_level_index=1,
        token_stride=4,
        fusion_channels=512,
        classifier_channels=2048,
        swin_depth=2,
        swin_num_heads=16,
        swin_window_size=7,
        swin_mlp_ratio=2,
        pixel_head='separate',
        inverse_scores='one_hot',
        inverse_resolution='decoded',
        dropout_ratio=0.1,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_token=dict(
            type='CrossEntropyLoss',
            loss_weight=0.8,
            avg_non_ignore=True,
            loss_name='loss_token'),
        loss_decode=dict(
            type='CrossEntropyLoss',
            loss_weight=0.2,
            avg_non_ignore=True,
            loss_name='loss_pixel')),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
