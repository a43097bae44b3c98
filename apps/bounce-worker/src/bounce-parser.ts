// The one line to swap when the real parser lands: export { parseBounce } from '@twe/domain';
export { parseBounce } from './interim-rfc3464';
