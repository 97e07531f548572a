int codec_baseline_placeholder(void) { return 0; }
