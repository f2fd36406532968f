/** Text from outside, bounded for storage: the channels use core/text.ts's clip (shared with adapters). */
export { clip } from '../../core/text.ts';
