export { sessions, users } from '../accounts/tables.js';
export { files, folders, uploads } from '../files/tables.js';
