import { render } from 'preact';
import { TripList } from './TripList.js';
import { TripPage } from './TripPage.js';
import './styles.css';

// Two pages, each at its own address, reached by plain links: the list at / and a trip at /view/trips/{id}. The
// server answers index.html at both (src/plugins/viewer.ts), so a trip's address opens directly and can be shared.

const match = /^\/view\/trips\/(\d+)\/?$/.exec(window.location.pathname);
const root = document.getElementById('app');
if (root) render(match ? <TripPage id={Number(match[1])} /> : <TripList />, root);
