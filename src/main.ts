// Mounts the app; nothing else happens here.
import { mount } from 'svelte';
import App from './App.svelte';
import './ui/global.css';

const target = document.getElementById('app');
if (!target) throw new Error('ERR_NO_APP_ELEMENT: index.html lacks #app');
export default mount(App, { target });
