export { sessions, users } from '../accounts/tables.js';
export { files, uploads } from '../files/tables.js';
