// The post step bundle's entry (dist/post/index.js).
import { runPost } from './post.ts';

await runPost();
